/** The tsdown options of every published package, for these entry files. */
export declare function libraryBuild(entry: string[]): import("tsdown").UserConfig;
