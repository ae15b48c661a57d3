// Trades the API key for the session cookie once; the key itself is never stored by the page.
const form = document.getElementById('signin-form');
const error = document.getElementById('signin-error');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  error.hidden = true;
  const response = await fetch('/api/console/session', {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({api_key: form.api_key.value}),
  });
  if (response.ok) {
    location.assign('/');
    return;
  }
  const body = await response.json().catch(() => ({}));
  error.textContent = body.detail || `Sign-in failed (${response.status}).`;
  error.hidden = false;
  form.api_key.select();
});
