'use strict';
// The page's only script: reads the model's description, sends a dropped or picked image to /predict and draws
// the top-5 as bars. Everything it shows goes through textContent, never HTML.
const $ = (id) => document.getElementById(id);

function setState(state, message) {
  document.body.dataset.state = state;
  $('status').textContent = message;
}

async function describeModel() {
  try {
    const h = await (await fetch('health')).json();
    const i = h.input;
    $('model').textContent = `${h.model} · ${h.classes.length} classes · ${i.channels}×${i.height}×${i.width} input`;
  } catch (e) {
    $('model').textContent = 'the server did not describe its model';
  }
}

function show(top) {
  const list = $('top');
  list.replaceChildren();
  for (const t of top) {
    const li = document.createElement('li');
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = t.class;
    name.title = t.class;
    const bar = document.createElement('span');
    bar.className = 'bar';
    const fill = document.createElement('span');
    fill.className = 'fill';
    fill.style.width = `${(100 * t.probability).toFixed(1)}%`;
    bar.append(fill);
    const pct = document.createElement('span');
    pct.className = 'pct';
    pct.textContent = `${(100 * t.probability).toFixed(1)}%`;
    li.append(name, bar, pct);
    list.append(li);
  }
}

async function classify(file) {
  if (!file) {
    return;
  }
  const preview = $('preview');
  if (preview.src) {
    URL.revokeObjectURL(preview.src);
  }
  preview.src = URL.createObjectURL(file);
  preview.hidden = false;
  $('top').replaceChildren();
  setState('busy', `classifying ${file.name}…`);
  const started = performance.now();
  try {
    const r = await fetch('predict?k=5', {
      method: 'POST',
      headers: { 'Content-Type': file.type || 'application/octet-stream' },
      body: file,
    });
    const answer = await r.json();
    if (!r.ok) {
      setState('error', answer.error || `the server answered ${r.status}`);
      return;
    }
    show(answer.top);
    setState('done', `${file.name} · ${Math.round(performance.now() - started)} ms`);
  } catch (e) {
    setState('error', `no answer from the server (${e.message})`);
  }
}

const drop = $('drop');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  classify(e.dataTransfer.files[0]);
});
$('file').addEventListener('change', (e) => classify(e.target.files[0]));
document.addEventListener('paste', (e) => classify(e.clipboardData.files[0]));
describeModel();
