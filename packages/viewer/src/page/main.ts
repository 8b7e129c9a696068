// The page's entry point (bundled to dist/page/viewer.js): viewer/index.html?archive=<collection URL>.
import { mountViewer, type Viewer } from "./app.ts";

declare global {
  interface Window {
    /** The running viewer, for scripts and tests. */
    granuleViewer?: Viewer;
  }
}

const root = document.getElementById("app")!;
const params = new URLSearchParams(location.search);
const archive = params.get("archive");
if (archive === null || archive === "") {
  const form = document.createElement("form");
  form.innerHTML =
    "<p>Open a zarr-opus collection served over HTTP (relative to this page or absolute):</p>" +
    '<input name="archive" size="60" placeholder="../season.zarr"> <button>Open</button>';
  root.replaceChildren(form);
} else {
  const workers = params.get("workers");
  const overview = params.get("overview");
  const gap = params.get("gap");
  window.granuleViewer = mountViewer(root, {
    archive,
    ...(workers !== null ? { workers: Number(workers) } : {}),
    ...(overview !== null ? { overviewColumns: Number(overview) } : {}),
    ...(gap !== null ? { overviewGapBytes: Number(gap) } : {}),
  });
}
