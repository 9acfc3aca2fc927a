// The readiness review's webview script (media/review.js): the page itself
// is static HTML (src/core/review/html.ts, the same as the HTML file); this
// only keeps what the panel shows in the webview's state (the period, from
// the body's data-state), so the panel reopens on it after a restart, and
// tells the host it is shown. Nothing is fetched and nothing is written
// into the page.
interface VsCodeApi {
  getState(): unknown;
  setState(s: unknown): void;
  postMessage(m: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();
const state = document.body.dataset.state;
if (state !== undefined) api.setState({ review: state });
api.postMessage({ type: 'shown' });
