import type { NextConfig } from "next";
export function ironlinkNextConfig(app: { name: string; accent: string }, overrides?: NextConfig): NextConfig;
