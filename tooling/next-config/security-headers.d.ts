/** What the headers of one answer depend on: an API answer needs no nonce, a page always has one. */
export type SecurityHeadersRequest = { api: true; secure: boolean } | { api: false; nonce: string; dev: boolean; secure: boolean };

export declare const staticAssetHeaders: Readonly<Record<string, string>>;
export declare const nonceRequestHeader: string;
export declare function newNonce(): string;
export declare function securityHeaders(request: SecurityHeadersRequest): Record<string, string>;
