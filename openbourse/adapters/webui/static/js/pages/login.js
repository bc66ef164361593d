// Log-in: email + password, then a TOTP code when the account has two-factor enabled.

import { boot } from '../lib/app.js';
import { $, busy, clearErrors, showError } from '../lib/dom.js';
import { nextPath, uiPost } from '../lib/session.js';

async function main() {
  const session = await boot('login');
  if (session.user) {
    location.replace(nextPath('/markets'));
    return;
  }
  const form = $('#login-form');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const f = form.elements;
    await busy($('button[type=submit]', form), async () => {
      try {
        await uiPost('/ui/login', { email: f.email.value, password: f.password.value, otp: f.otp.value });
        location.assign(nextPath('/markets'));
      } catch (error) {
        if (error.code === 'totp_required') {
          $('#otp-field').hidden = false;
          f.otp.focus();
        }
        showError(form, error.field, error.message);
      }
    });
  });
}

main();
