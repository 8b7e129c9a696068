export { type ByteSource, bufferSource, checkRead } from "./byte-source.ts";
export { ByteSourceError, type ByteSourceErrorCode, type ByteSourceErrorDetails } from "./errors.ts";
export {
  type ByteRange,
  type ByteSourceWarning,
  createHttpClient,
  HTTP_DEFAULTS,
  type HttpClient,
  type HttpClientOptions,
  type RangeResponse,
} from "./http-client.ts";
export { type HttpByteSource, type HttpSourceOptions, openHttpSource } from "./http-source.ts";
