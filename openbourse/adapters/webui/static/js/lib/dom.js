// Small DOM helpers: element creation, toasts, and errors shown next to their field.

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

/** h('td', {class: 'r'}, 'text', child) -> element; attributes starting with "on" are listeners. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.className = value;
    else el.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function toast(message, bad = false) {
  const box = document.getElementById('toasts');
  if (!box) return;
  const el = h('div', { class: bad ? 'toast bad' : 'toast', role: 'status' }, message);
  box.append(el);
  setTimeout(() => el.remove(), bad ? 6000 : 3500);
}

/** Clear every field error of a form. */
export function clearErrors(form) {
  for (const el of $$('.err', form)) el.textContent = '';
  for (const el of $$('.invalid', form)) el.classList.remove('invalid');
  const general = $('.form-error', form);
  if (general) general.textContent = '';
}

/**
 * Show `message` under the input named `field` (its `.err` sibling, found via
 * data-err-for), or as the form's general error when the form has no such field.
 */
export function showError(form, field, message) {
  const slot = field ? $(`[data-err-for="${field}"]`, form) : null;
  if (slot) {
    slot.textContent = message;
    const input = form.elements[field];
    if (input && input.classList) input.classList.add('invalid');
    return;
  }
  const general = $('.form-error', form);
  if (general) general.textContent = message;
  else toast(message, true);
}

/** Replace the rows of a tbody, or show one "empty" row spanning `columns`. */
export function fillBody(tbody, rows, columns, emptyText) {
  if (!rows.length) {
    tbody.replaceChildren(h('tr', {}, h('td', { class: 'empty', colspan: columns }, emptyText)));
    return;
  }
  tbody.replaceChildren(...rows);
}

/** Disable a button while `work` runs (no double submissions). */
export async function busy(button, work) {
  button.disabled = true;
  try {
    return await work();
  } finally {
    button.disabled = false;
  }
}

/** An in-page confirmation dialog (styled like the rest of the app); resolves true on OK. */
export function confirmDialog(title, text, okLabel = 'Confirm') {
  return new Promise((resolve) => {
    const ok = h('button', { class: 'btn primary', type: 'button', id: 'confirm-ok' }, okLabel);
    const cancel = h('button', { class: 'btn ghost', type: 'button', id: 'confirm-cancel' }, 'Cancel');
    const back = h('div', { class: 'modal-back' },
      h('div', { class: 'modal', role: 'dialog', 'aria-modal': 'true' },
        h('h2', {}, title), h('p', { class: 'muted' }, text), h('div', { class: 'modal-actions' }, cancel, ok)));
    const close = (answer) => { back.remove(); document.removeEventListener('keydown', onKey); resolve(answer); };
    const onKey = (event) => { if (event.key === 'Escape') close(false); };
    ok.addEventListener('click', () => close(true));
    cancel.addEventListener('click', () => close(false));
    back.addEventListener('click', (event) => { if (event.target === back) close(false); });
    document.addEventListener('keydown', onKey);
    document.body.append(back);
    ok.focus();
  });
}
