// Security settings: two-factor authentication (enrol with confirmation, disable) and
// password change.

import { boot } from '../lib/app.js';
import { $, $$, busy, clearErrors, showError, toast } from '../lib/dom.js';
import { uiPost } from '../lib/session.js';
import { qrSvg } from '../lib/qr.js';

function showTotp(enabled) {
  $('#totp-state').textContent = enabled ? 'On' : 'Off';
  $('#totp-state').className = enabled ? 'pill on' : 'pill off';
  $('#totp-off').hidden = enabled;
  $('#totp-on').hidden = !enabled;
  $('#totp-enrol').hidden = true;
  $('#totp-start').hidden = false;
  for (const el of $$('[data-needs-totp]')) el.hidden = !enabled;
}

/** Submit `form` to `path` with its named fields; `done` runs on success. */
function bind(form, path, fields, done, check = () => null) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const problem = check(form.elements);
    if (problem) return showError(form, problem[0], problem[1]);
    const body = Object.fromEntries(fields.map((name) => [name, form.elements[name].value]));
    await busy($('button[type=submit]', form), async () => {
      try {
        const data = await uiPost(path, body);
        form.reset();
        done(data);
      } catch (error) {
        showError(form, error.field, error.message);
      }
    });
  });
}

async function main() {
  const session = await boot('security', { needsUser: true });
  showTotp(session.totp);
  $('#totp-start').addEventListener('click', async () => {
    try {
      const enrolment = await uiPost('/ui/totp/enrol');
      $('#totp-secret').textContent = enrolment.secret;
      $('#totp-uri').textContent = enrolment.uri;
      $('#totp-uri').href = enrolment.uri;
      $('#totp-qr').replaceChildren(qrSvg(enrolment.uri, 184));
      $('#totp-enrol').hidden = false;
      $('#totp-start').hidden = true;
      $('#totp-enrol').elements.otp.focus();
    } catch (error) {
      toast(error.message, true);
    }
  });
  bind($('#totp-enrol'), '/ui/totp/confirm', ['otp'], () => { showTotp(true); toast('Two-factor authentication is on'); });
  bind($('#totp-on'), '/ui/totp/disable', ['password', 'otp'], () => { showTotp(false); toast('Two-factor authentication is off'); });
  bind($('#password-form'), '/ui/password', ['current', 'new', 'otp'], () => toast('Password changed'), (f) => {
    if (f.new.value.length < 8) return ['new', 'Use at least 8 characters'];
    if (f.new.value !== f.confirm.value) return ['confirm', 'The passwords do not match'];
    return null;
  });
}

main();
