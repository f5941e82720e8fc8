// The signed-in user's access token on FineHero's pages, and the one way they read the API with it.
// The token lives in this tab's sessionStorage only. It arrives from the login form, or in the URL
// fragment (#token=...), which browsers never send to a server; the fragment is then removed and the
// page's own query string kept.
"use strict";

const TOKEN_KEY = "finehero.accessToken";

if (location.hash.startsWith("#token=")) {
  sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(location.hash.substring(7)));
  window.history.replaceState(null, "", location.pathname + location.search);
}

/** GET `path` as JSON with the token. A 401 or 403 shows the login form; a failure says what the server said. */
async function getJson(path) {
  const headers = {"Accept": "application/json"};
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers["Authorization"] = "Bearer " + token;
  const response = await fetch(path, {headers});
  if (response.status === 401 || response.status === 403) document.getElementById("login").hidden = false;
  if (!response.ok) {
    let message = path + ": HTTP " + response.status;
    try { message += ": " + ((await response.json()).message || ""); } catch (ignored) { /* not JSON */ }
    throw new Error(message);
  }
  return response.json();
}

/** The page's login form: signs in, keeps the token and calls `signedIn` (the page loads again with it). */
function onLogin(signedIn) {
  document.getElementById("login").addEventListener("submit", async event => {
    event.preventDefault();
    const form = event.target;
    const response = await fetch("/v1/auth/login", {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({username: form.username.value, password: form.password.value})});
    form.password.value = "";
    if (!response.ok) {
      document.getElementById("login-error").textContent = "Login failed (HTTP " + response.status + ")";
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, (await response.json()).accessToken);
    document.getElementById("login-error").textContent = "";
    signedIn();
  });
}
