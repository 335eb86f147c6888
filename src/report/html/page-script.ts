/**
 * The only script of a report page (inline, no network): hovering a timeline bar or mark shows
 * what it is; clicking a bar shows its invocation's record as `job.json` has it. It reads the
 * page's embedded JSON and writes text only (never HTML).
 */
export const PAGE_SCRIPT = `(() => {
  const source = document.getElementById('report-data');
  const data = source ? JSON.parse(source.textContent || '{}') : {};
  const invocations = Array.isArray(data.invocations) ? data.invocations : [];
  const tip = document.getElementById('tip');
  const details = document.getElementById('details');
  const seconds = (ms) => (typeof ms === 'number' ? (ms / 1000).toFixed(2) + ' s' : '-');
  const line = (r) => {
    if (!r) return '';
    const state = r.ok ? 'ok' : r.stopped ? 'stopped after the job was done' : 'failed: ' + (r.error || '');
    const splits = typeof r.splitCount === 'number' ? r.splitCount : (r.splitIds || []).length;
    return r.workerId + ' (attempt ' + r.attempt + '): ' + state + '\\n' +
      'waited ' + seconds(r.startedAt - r.initMs - r.submittedAt) + ', cold start ' + seconds(r.initMs) +
      ', ran ' + seconds(r.durationMs) + ', billed ' + seconds(r.billedMs) + '\\n' +
      splits + ' split(s)' + (r.cold ? ', cold' : ', warm') + ' (click for the record)';
  };
  const describe = (el) => (el.hasAttribute('data-tip') ? el.getAttribute('data-tip') : line(invocations[Number(el.getAttribute('data-i'))]));
  let selected = null;
  document.addEventListener('mousemove', (event) => {
    const target = event.target instanceof Element ? event.target.closest('[data-tip],[data-i]') : null;
    if (!tip) return;
    if (!target) { tip.hidden = true; return; }
    tip.textContent = describe(target);
    tip.hidden = false;
    const right = window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 4;
    tip.style.left = Math.max(0, Math.min(event.pageX + 14, right)) + 'px';
    tip.style.top = event.pageY + 14 + 'px';
  });
  window.addEventListener('resize', () => { if (tip) tip.hidden = true; });
  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target.closest('[data-i]') : null;
    if (!target || !details) return;
    const record = invocations[Number(target.getAttribute('data-i'))];
    if (!record) return;
    if (selected) selected.classList.remove('selected');
    selected = target.closest('.inv') || target;
    selected.classList.add('selected');
    details.textContent = JSON.stringify(record, null, 2);
    const box = details.closest('details');
    if (box) box.open = true;
  });
})();`;
