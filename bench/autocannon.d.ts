// autocannon ships no types; only what bench/load.ts uses is declared.
declare module 'autocannon' {
  export interface Request {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
  }
  export interface RequestStep extends Request {
    setupRequest?: (request: Request) => Request;
    onResponse?: (status: number, body: string) => void;
  }
  export interface Options {
    url: string;
    connections: number;
    duration?: number;
    amount?: number;
    /** Milliseconds between samples; a run ends only on a sample tick. */
    sampleInt?: number;
    method?: string;
    headers?: Record<string, string>;
    requests?: RequestStep[];
  }
  export interface Histogram {
    average: number;
    p50: number;
    p99: number;
    total: number;
  }
  export interface Result {
    requests: Histogram;
    latency: Histogram;
    duration: number;
    non2xx: number;
    errors: number;
    timeouts: number;
  }
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
