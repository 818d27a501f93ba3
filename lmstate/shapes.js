// The shapes explorer on a page without a kernel (lmstate.shapes.shapes_html runs it).
(function (root, C, init) {
  // every tensor of one nn.RNN, nn.GRU or nn.LSTM call, by PyTorch's formulas; the kernel runs the real module
  const esc = s => String(s).replace(/[&<>"']/g,
    c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;'})[c]);
  const INT = /^[ \t]*[+-]?[0-9]{1,15}[ \t]*$/;   // up to 15 digits: a Number holds them exactly
  const WHOLE = /^[ \t]*[+-]?[0-9]+[ \t]*$/;
  const FLAGS = ['bidirectional', 'batch_first', 'batched'];
  const py = v => typeof v === 'string' ? `'${v}'` : v === true ? 'True' : v === false ? 'False' : String(v);
  function toInt(name, v) {
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    if (typeof v === 'string' && INT.test(v)) return parseInt(v, 10) + 0;   // + 0 turns -0 into 0
    if (typeof v === 'string' && WHOLE.test(v))
      throw new Error(`${name} must be a whole number of at most 15 digits, got ${v.trim().replace(/^[+-]/, '').length}`);
    throw new Error(`${name} must be a whole number, got ${py(v)}`);
  }
  function count(name, v, lo, hi) {
    if (v < lo) throw new Error(`${name} must be an int of at least ${lo}, got ${v}`);
    if (hi !== undefined && v > hi)
      throw new Error(`${name} must be an int from ${lo} to ${hi.toLocaleString('en-US')}, got ${v}`);
  }
  function check(given) {
    const unknown = Object.keys(given).filter(k => !(k in C.DEFAULTS)).sort();
    if (unknown.length)
      throw new Error(`unknown setting '${unknown[0]}': the settings are ${Object.keys(C.DEFAULTS).join(', ')}`);
    const s = {...C.DEFAULTS, ...given};
    for (const k of Object.keys(C.DEFAULTS)) if (k !== 'cell' && !FLAGS.includes(k)) s[k] = toInt(k, s[k]);
    if (!C.CELLS.includes(s.cell)) throw new Error(`cell must be one of ${C.CELLS.join(', ')}, got ${py(s.cell)}`);
    for (const [k, hi] of Object.entries(C.LIMITS)) count(k, s[k], 1, hi);
    count('proj_size', s.proj_size, 0);
    for (const k of FLAGS) if (typeof s[k] !== 'boolean') throw new Error(`${k} must be True or False, got ${py(s[k])}`);
    if (s.proj_size && s.cell !== 'LSTM') throw new Error(`proj_size is an LSTM setting: nn.${s.cell} has none`);
    if (s.proj_size && s.proj_size >= s.hidden_size)
      throw new Error(`proj_size must be smaller than hidden_size = ${s.hidden_size}, got ${s.proj_size}`);
    return s;
  }
  function spec(raw) {
    let s;
    try { s = check(raw); } catch (e) { return {error: e.message}; }
    const D = s.bidirectional ? 2 : 1, L = s.num_layers, H = s.proj_size || s.hidden_size, lstm = s.cell === 'LSTM';
    const n = a => `(${a.join(', ')})`;
    const seq = last => s.batched ? (s.batch_first ? ['N', 'L', last] : ['L', 'N', last]) : ['L', last];
    const st = size => ['D*num_layers', ...(s.batched ? ['N'] : []), size];
    const val = {N: s.bs, L: s.sl, H_in: s.input_size, 'D*H_out': D * H, 'D*num_layers': D * L, H_out: H,
                 H_cell: s.hidden_size};
    const row = (name, f) => [name, n(f.map(k => val[k])), n(f)];
    const tensors = [row('input', seq('H_in')), row('h_0', st('H_out'))];
    if (lstm) tensors.push(row('c_0', st('H_cell')));
    tensors.push(row('output', seq('D*H_out')), row('h_n', st('H_out')));
    if (lstm) tensors.push(row('c_n', st('H_cell')));
    const legend = [...(s.batched ? [`N = bs = ${s.bs}`] : ['no N: one unbatched sequence']), `L = sl = ${s.sl}`,
      `H_in = input_size = ${s.input_size}`, `D = ${D}`, `num_layers = ${L}`,
      `H_out = ${s.proj_size ? 'proj_size' : 'hidden_size'} = ${H}`,
      ...(lstm ? [`H_cell = hidden_size = ${s.hidden_size}`] : [])].join(', ');
    const layout = [...Array(D * L).keys()].map(i => `layer ${Math.floor(i / D)}` +
      (D === 2 ? (i % 2 ? ' backward' : ' forward') : ''));
    const at = (t, cut) => (s.batched ? (s.batch_first ? `[:, ${t}` : `[${t}, :`) : `[${t}`) + (cut ? `, ${cut}]` : ']');
    const ends = [[`h_n[${D * L - D}]`, `output${at(-1, D === 2 ? `:${H}` : '')}`,
                   `the top layer${D === 2 ? ' forward' : ''}, after the last step`]];
    if (D === 2) ends.push([`h_n[${D * L - 1}]`, `output${at(0, `${H}:`)}`,
                            'the top layer backward, after its last step: the first position']);
    return {settings: s, tensors, legend, layout, ends};
  }
  function svg(layout) {
    const D = layout[0].endsWith('forward') ? 2 : 1, L = layout.length / D, parts = [];
    if (D === 2) ['forward', 'backward'].forEach((d, j) =>
      parts.push(`<text x="${127 + 80 * j}" y="13" text-anchor="middle" font-size="11">${d}</text>`));
    layout.forEach((name, i) => {
      const l = Math.floor(i / D), d = i % D, x = 90 + 80 * d, y = 18 + 22 * l;
      if (d === 0) parts.push(`<text x="4" y="${y + 14}" font-size="11">layer ${l}</text>`);
      parts.push(`<rect x="${x}" y="${y}" width="74" height="18" fill="${d ? '#fdae6b' : '#9ecae1'}"/>` +
                 `<text x="${x + 37}" y="${y + 13}" text-anchor="middle" font-size="11">h_n[${i}]</text>`);
    });
    return `<svg width="${90 + 80 * D}" height="${22 + 22 * L}">${parts.join('')}</svg>`;
  }
  function view(sp) {
    if (sp.error) return `<div class="lm-view"><div class="lm-err lm-msg">${esc(sp.error)}</div></div>`;
    const rows = sp.tensors.map(([k, v, f]) =>
      `<span>${esc(k)}</span><b class="lm-shape" data-t="${esc(k)}">${esc(v)}</b><span>${esc(f)}</span>`).join('');
    const ends = sp.ends.map(([a, b, what]) =>
      `<div><code>${esc(a)}</code> equals <code>${esc(b)}</code>: ${esc(what)}</div>`).join('');
    return `<div class="lm-view"><div class="lm-flow lm-flow3">${rows}</div><div class="lm-note">` +
      `${esc(sp.legend)}</div><div class="lm-note">The first axis of h_n, one slot per layer and direction:</div>` +
      `${svg(sp.layout)}${ends}</div>`;
  }
  // the controls: the same names and kinds as the kernel widget's
  const sel = (k, opts) => `<label>${k} <select data-k="${k}">${opts.map(o =>
    `<option${o === init[k] ? ' selected' : ''}>${esc(o)}</option>`).join('')}</select></label>`;
  const txt = k => `<label>${k} <input type="text" data-k="${k}" value="${esc(init[k])}"></label>`;
  const box = k => `<label><input type="checkbox" data-k="${k}"${init[k] === true ? ' checked' : ''}> ${k}</label>`;
  const rng = (k, lo, hi) => `<label>${k} <input type="range" data-k="${k}" min="${lo}" max="${hi}" ` +
    `value="${esc(init[k])}"><output>${esc(init[k])}</output></label>`;
  root.innerHTML = `<div class="lm-ctl">${sel('cell', C.CELLS)}${rng('num_layers', 1, C.LIMITS.num_layers)}` +
    `${FLAGS.map(box).join('')}${['proj_size', 'bs', 'sl', 'input_size', 'hidden_size'].map(txt).join('')}</div>` +
    '<div class="lm-out"></div>';
  const out = root.querySelector('.lm-out');
  function update() {
    const raw = {};
    root.querySelectorAll('[data-k]').forEach(el => {
      raw[el.dataset.k] = el.type === 'range' ? Number(el.value) : el.type === 'checkbox' ? el.checked : el.value;
      if (el.type === 'range') el.nextElementSibling.textContent = el.value;
    });
    out.innerHTML = view(spec(raw));
  }
  root.querySelectorAll('[data-k]').forEach(el => el.addEventListener('input', update));
  root.lmstate = {spec, view, update};
  update();
})
