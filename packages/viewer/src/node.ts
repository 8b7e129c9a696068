// Node entry: serves the viewer page and a local archive on 127.0.0.1 (for `granule view`).
export {
  parseRange,
  type ServeViewerOptions,
  serveViewer,
  type ViewerServer,
  viewerPageDirectory,
} from "./serve-viewer.ts";
export { ViewerError, type ViewerErrorCode } from "./viewer-error.ts";
