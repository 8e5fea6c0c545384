import type { NextConfig } from 'next';

// The app sits inside the Shoutout repository, whose own lockfile Next would take for the workspace root.
const config: NextConfig = { turbopack: { root: __dirname } };

export default config;
