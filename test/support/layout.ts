/**
 * Layout facts of a report page as a browser lays it out, for tests: what overflows, what
 * overlaps, what is too small to read. Each check returns one line per problem (empty: none), so
 * that a failing test names every element at fault.
 */
import type { Page } from 'playwright-core';

/** Smallest font a plot's text may be drawn at, in CSS pixels, once the plot is scaled to fit. */
const MIN_PLOT_FONT_PX = 9;

/** The check, run in the page (plain JavaScript: the page has no TypeScript). */
const LAYOUT_SCRIPT = `
  ({ minFontPx, print }) => {
    const problems = [];
    const name = (el) => {
      const text = (el.textContent ?? '').trim().slice(0, 40);
      const cls = el.getAttribute('class');
      return \`<\${el.tagName.toLowerCase()}\${cls ? \` class="\${cls}"\` : ''}> "\${text}"\`;
    };
    const doc = document.documentElement;
    if (doc.scrollWidth > window.innerWidth + 1)
      problems.push(\`page is \${doc.scrollWidth} px wide in a \${window.innerWidth} px viewport\`);

    const main = document.querySelector('main');
    if (main) {
      const edge = main.getBoundingClientRect();
      const scrolls = (el) => {
        for (let a = el.parentElement; a && a !== main; a = a.parentElement)
          if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(a).overflowX)) return true;
        return false;
      };
      for (const el of main.querySelectorAll('*')) {
        if (el.closest('svg') !== null && el.tagName.toLowerCase() !== 'svg') continue;
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        if ((r.right > edge.right + 1 || r.left < edge.left - 1) && !scrolls(el))
          problems.push(\`\${name(el)} reaches outside the page (\${Math.round(r.left)}..\${Math.round(r.right)})\`);
      }
    }

    for (const svg of document.querySelectorAll('main svg')) {
      if (svg.parentElement?.closest('svg')) continue; // a panel of a stacked figure
      if (svg.closest('.legend')) continue; // a legend swatch
      const box = svg.getBoundingClientRect();
      const viewBox = svg.viewBox.baseVal;
      const scale = viewBox && viewBox.width > 0 ? box.width / viewBox.width : 1;
      for (const text of svg.querySelectorAll('text')) {
        const r = text.getBoundingClientRect();
        if (r.width === 0) continue;
        if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
          problems.push(\`\${name(text)} is cut by its plot's edge\`);
        const px = parseFloat(getComputedStyle(text).fontSize) * scale;
        if (!print && px < minFontPx) problems.push(\`\${name(text)} is drawn at \${px.toFixed(1)} px\`);
      }
      const rects = [...svg.querySelectorAll('text')]
        .map((t) => [t, t.getBoundingClientRect()])
        .filter(([, r]) => r.width > 0);
      for (let i = 0; i < rects.length; i++)
        for (let j = i + 1; j < rects.length; j++) {
          const [ta, a] = rects[i];
          const [tb, b] = rects[j];
          if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5)
            problems.push(\`texts \${name(ta)} and \${name(tb)} overlap\`);
        }
    }

    if (!print)
      for (const el of document.querySelectorAll('main figure'))
        if (el.scrollWidth > el.clientWidth + 1)
          problems.push(\`\${name(el)} scrolls sideways (\${el.scrollWidth} px in \${el.clientWidth} px)\`);

    if (print)
      for (const el of document.querySelectorAll('main figure, main .scroll, main .table-wrap, main pre')) {
        if (el.closest('details:not([open])')) continue;
        if (el.scrollHeight > el.clientHeight + 1)
          problems.push(\`\${name(el)} cuts its content (\${el.scrollHeight} px in \${el.clientHeight} px)\`);
      }
    return problems;
  }
`;

/**
 * The page's layout problems at its current viewport and media:
 * - the page is wider than the viewport (it scrolls sideways as a whole);
 * - an element of `main` reaches past main's edges without a scrolling box around it;
 * - a text of a plot (SVG) reaches outside its plot (a cut label);
 * - two texts of one plot overlap (tick labels, a reference line's label and another's, a legend's);
 * - on screen, a figure that scrolls sideways (figures shrink to the page; tables and the
 *   timeline may scroll in their own box);
 * - on screen, a plot's text drawn smaller than {@link MIN_PLOT_FONT_PX};
 * - in `print` (the page emulating print media at a paper's width), a box that cuts its content
 *   (figures, the timeline, tables, code): paper does not scroll.
 */
export async function layoutProblems(page: Page, print = false): Promise<string[]> {
  const args = JSON.stringify({ minFontPx: MIN_PLOT_FONT_PX, print });
  return (await page.evaluate(`(${LAYOUT_SCRIPT})(${args})`)) as string[];
}

/** How many figures the page has, and on how many rows (distinct tops) the browser set them. */
export function figureRows(page: Page): Promise<{ count: number; rows: number }> {
  return page.evaluate(`(() => {
    const tops = [...document.querySelectorAll('main figure')].map((f) => Math.round(f.getBoundingClientRect().top));
    return { count: tops.length, rows: new Set(tops).size };
  })()`);
}
