import type { NextConfig } from "next";
export function ironlinkNextConfig(overrides?: NextConfig): NextConfig;
