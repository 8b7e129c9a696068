// Main entry: the viewer's page code (DOM; runs in browsers) and its pure helpers (any runtime).
// The built page itself is dist/page/ (index.html, viewer.js, viewer.css); serveViewer from
// @granule/viewer/node serves it.
export { detailOptions } from "./detail.ts";
export { computeOverview, type Overview, type OverviewOptions } from "./overview.ts";
export {
  mountViewer,
  type OverviewResult,
  type PlaybackResult,
  type SelectionResult,
  Viewer,
  type ViewerOptions,
} from "./page/app.ts";
export { defaultSpeed, PLAYBACK_SPEEDS, playbackNote, speedLabel, speedsFor } from "./playback-speed.ts";
export { type ByteSpan, prefetchedSource, spansFor } from "./prefetch.ts";
export { formatSeconds, type Selection, segmentRow, selectionFromSeconds } from "./selection.ts";
