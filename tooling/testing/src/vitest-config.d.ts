export declare const ironlinkVitestConfig: import("vitest/config").ViteUserConfig;
