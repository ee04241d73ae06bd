export const maxBodyBytes: number;
