/** Where Playwright finds Chromium: CHROMIUM_PATH, or /usr/bin/chromium (Debian's). */
export const chromiumPath: string;
export function checkSystemTools(): boolean;
