// API keys: create (the secret and passphrase are shown once), list, revoke.

import { boot } from '../lib/app.js';
import { $, $$, busy, clearErrors, confirmDialog, fillBody, h, showError, toast } from '../lib/dom.js';
import { dateTime } from '../lib/format.js';
import { uiGet, uiPost } from '../lib/session.js';

async function loadKeys() {
  const keys = await uiGet('/ui/keys');
  const rows = keys.map((k) => {
    const revoked = k.revoked === 'true';
    const revoke = revoked ? '' : h('button', { class: 'btn small danger', type: 'button', 'data-revoke': k.apiKey }, 'Revoke');
    if (revoke) revoke.addEventListener('click', () => revokeKey(revoke, k));
    return h('tr', { 'data-key': k.apiKey },
      h('td', {}, k.label || h('span', { class: 'muted' }, '(no label)')),
      h('td', { class: 'num' }, k.apiKey),
      h('td', {}, k.permissions.split(',').map((p) => h('span', { class: 'pill' }, p))),
      h('td', { class: 'hide-sm' }, k.ipAllow || h('span', { class: 'muted' }, 'Any address')),
      h('td', { class: 'hide-sm num' }, dateTime(k.createdMs)),
      h('td', {}, h('span', { class: revoked ? 'pill off' : 'pill on' }, revoked ? 'Revoked' : 'Active')),
      h('td', { class: 'r' }, revoke));
  });
  fillBody($('#key-rows'), rows, 7, 'No API keys yet');
}

async function revokeKey(button, key) {
  const sure = await confirmDialog('Revoke API key?', `Programs using "${key.label || key.apiKey}" stop working at once. This cannot be undone.`, 'Revoke');
  if (!sure) return;
  await busy(button, async () => {
    try {
      await uiPost('/ui/keys/revoke', { apiKey: key.apiKey });
      toast('API key revoked');
      await loadKeys();
    } catch (error) {
      toast(error.message, true);
    }
  });
}

function showSecret(created) {
  $('#new-key').textContent = created.apiKey;
  $('#new-secret').textContent = created.secretKey;
  $('#new-passphrase').textContent = created.passphrase;
  $('#secret-modal').hidden = false;
  $('#secret-done').focus();
}

/** Copy a secret: the Clipboard API where the browser allows it (HTTPS or localhost),
 *  otherwise select the text so the user can copy it by hand. */
async function copy(id, button) {
  const el = $(`#${id}`);
  try {
    await navigator.clipboard.writeText(el.textContent);
    button.textContent = 'Copied';
    setTimeout(() => { button.textContent = 'Copy'; }, 1500);
  } catch {
    window.getSelection().selectAllChildren(el);
    toast('Press Ctrl+C (or ⌘C) to copy the selected text');
  }
}

async function main() {
  const session = await boot('keys', { needsUser: true });
  for (const button of $$('[data-copy]')) button.addEventListener('click', () => copy(button.dataset.copy, button));
  $('#key-otp').hidden = !session.totp;
  const form = $('#key-form');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const f = form.elements;
    if (!f.label.value.trim()) return showError(form, 'label', 'Give the key a label');
    const permissions = $$('input[name=perm]:checked', form).map((el) => el.value);
    await busy($('button[type=submit]', form), async () => {
      try {
        const created = await uiPost('/ui/keys/create', { label: f.label.value, ips: f.ips.value, permissions, otp: f.otp.value });
        form.reset();
        showSecret(created);
        await loadKeys();
      } catch (error) {
        showError(form, error.field, error.message);
      }
    });
  });
  $('#secret-done').addEventListener('click', () => {
    for (const id of ['#new-key', '#new-secret', '#new-passphrase']) $(id).textContent = '';
    $('#secret-modal').hidden = true;
  });
  await loadKeys();
}

main();
