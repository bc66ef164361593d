// Sign-up: creates the account and starts a session straight away.

import { boot } from '../lib/app.js';
import { $, busy, clearErrors, showError } from '../lib/dom.js';
import { uiPost } from '../lib/session.js';

async function main() {
  const session = await boot('signup');
  if (session.user) {
    location.replace('/markets');
    return;
  }
  const form = $('#signup-form');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const f = form.elements;
    if (f.password.value.length < 8) return showError(form, 'password', 'Use at least 8 characters');
    if (f.password.value !== f.confirm.value) return showError(form, 'confirm', 'The passwords do not match');
    await busy($('button[type=submit]', form), async () => {
      try {
        await uiPost('/ui/signup', { email: f.email.value, password: f.password.value });
        location.assign(session.demo ? '/assets' : '/markets');
      } catch (error) {
        showError(form, error.field, error.message);
      }
    });
  });
}

main();
