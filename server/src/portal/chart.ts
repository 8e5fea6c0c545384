import { html } from './html';

const WIDTH = 300;
const HEIGHT = 72;

/**
 * One series as bars, one per day (or week), drawn by the server as SVG: no script, and nothing
 * for the portal's CSP to allow. Each bar has a title, so pointing at it (or a screen reader's
 * object navigation) gives its day and value; the label summarises the whole.
 */
export function barChart(options: { label: string; starts: Date[]; values: number[]; format: (value: number) => string; dayLabel: (start: Date) => string }) {
  const { label, starts, values, format, dayLabel } = options;
  const max = Math.max(...values, 0);
  const slot = WIDTH / Math.max(values.length, 1);
  const gap = slot > 4 ? 1 : 0;
  const bars = values.map((value, index) => {
    const height = max ? Math.max(value ? 2 : 0, (value / max) * (HEIGHT - 2)) : 0;
    return html`<rect class="bar" x="${(index * slot).toFixed(2)}" y="${(HEIGHT - height).toFixed(2)}" width="${(slot - gap).toFixed(2)}" height="${height.toFixed(2)}"><title>${dayLabel(starts[index])}: ${format(value)}</title></rect>`;
  });
  const summary = max ? `${label}: highest ${format(max)}` : `${label}: none in this period`;
  return html`<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" preserveAspectRatio="none" role="img" aria-label="${summary}"><line class="axis" x1="0" y1="${HEIGHT - 0.5}" x2="${WIDTH}" y2="${HEIGHT - 0.5}"/>${bars}</svg>`;
}
