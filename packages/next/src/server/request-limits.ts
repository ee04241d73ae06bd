/** The most an Ironlink app reads of a request body (route handlers and server actions): its forms and JSON are a few hundred bytes. */
export const maxBodyBytes = 16 * 1024;
