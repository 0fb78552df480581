// canvass: a WebAuthn credential (security key, passkey) as the personal
// signing key. The enrollment page registers one
// (navigator.credentials.create); the request page approves with it
// (navigator.credentials.get), the challenge being SHA-256 of the
// request's sign text; the sign-in page uses it instead of a TOTP code
// (navigator.credentials.get over a random challenge, after the password). Both talk to the JSON API (docs/api.yaml); the
// server keeps the ceremony's state. No inline script: the page's CSP is
// default-src 'self'.
"use strict";

(function () {
  function toBuf(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), b = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) b[i] = bin.charCodeAt(i);
    return b.buffer;
  }

  function toB64url(buf) {
    if (!buf) return undefined;
    var b = new Uint8Array(buf), s = "";
    for (var i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withIDs(list) {
    return (list || []).map(function (c) { return Object.assign({}, c, { id: toBuf(c.id) }); });
  }

  async function post(path, body) {
    var init = { method: "POST", credentials: "same-origin", headers: {} };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    var r = await fetch(path, init);
    var text = await r.text();
    var data = text ? JSON.parse(text) : null;
    if (!r.ok) throw new Error((data && data.error) || ("the office answered " + r.status));
    return data;
  }

  function say(el, msg, bad) {
    el.textContent = msg;
    el.className = bad ? "error" : "notice";
    el.setAttribute("role", bad ? "alert" : "status");
  }

  async function register(status) {
    var user = document.getElementById("user").value.trim();
    var code = document.getElementById("code").value.trim();
    var opts = await post("/api/v1/enroll/webauthn/begin", { user: user, code: code });
    var pk = opts.publicKey || opts;
    pk.challenge = toBuf(pk.challenge);
    pk.user = Object.assign({}, pk.user, { id: toBuf(pk.user.id) });
    pk.excludeCredentials = withIDs(pk.excludeCredentials);
    var cred = await navigator.credentials.create({ publicKey: pk });
    var resp = {
      id: cred.id, rawId: toB64url(cred.rawId), type: cred.type,
      clientExtensionResults: cred.getClientExtensionResults(),
      response: {
        clientDataJSON: toB64url(cred.response.clientDataJSON),
        attestationObject: toB64url(cred.response.attestationObject),
        transports: cred.response.getTransports ? cred.response.getTransports() : []
      }
    };
    if (cred.authenticatorAttachment) resp.authenticatorAttachment = cred.authenticatorAttachment;
    await post("/api/v1/enroll/webauthn/finish", { user: user, code: code, response: resp });
    document.getElementById("signing_key").value = "";
    say(status, "Security key registered as your signing key. Now choose your password and continue (leave the signed-note key empty).");
  }

  // assert runs navigator.credentials.get for options from a begin step
  // and returns the answer as PublicKeyCredential.toJSON() would.
  async function assert(opts) {
    var pk = opts.publicKey || opts;
    pk.challenge = toBuf(pk.challenge);
    pk.allowCredentials = withIDs(pk.allowCredentials);
    var cred = await navigator.credentials.get({ publicKey: pk });
    var resp = {
      id: cred.id, rawId: toB64url(cred.rawId), type: cred.type,
      clientExtensionResults: cred.getClientExtensionResults(),
      response: {
        clientDataJSON: toB64url(cred.response.clientDataJSON),
        authenticatorData: toB64url(cred.response.authenticatorData),
        signature: toB64url(cred.response.signature),
        userHandle: toB64url(cred.response.userHandle)
      }
    };
    if (cred.authenticatorAttachment) resp.authenticatorAttachment = cred.authenticatorAttachment;
    return resp;
  }

  async function approve(id) {
    var opts = await post("/api/v1/requests/" + encodeURIComponent(id) + "/webauthn/begin");
    var resp = await assert(opts);
    await post("/api/v1/requests/" + encodeURIComponent(id) + "/webauthn/finish", { response: resp });
    location.assign("/requests/" + encodeURIComponent(id) + "?signed=1");
  }

  // signIn: password first (begin), then the security key instead of the
  // TOTP code (finish); the API sets the session cookie. The office
  // answers a wrong password with options too (so that the password
  // cannot be tested without the second factor), so any failure gets one
  // message that does not say which part was wrong.
  async function signIn(status) {
    var userEl = document.getElementById("user"), pwEl = document.getElementById("password");
    var user = userEl.value.trim(), pw = pwEl.value;
    if (!user || !pw) {
      (user ? pwEl : userEl).focus();
      throw new Error("type your user name and password first, then use your security key");
    }
    var opts = await post("/api/v1/login/webauthn/begin", { user: user, password: pw });
    var resp;
    try {
      resp = await assert(opts);
      await post("/api/v1/login/webauthn/finish", { user: user, response: resp });
    } catch (e) {
      if (/locked/.test(e.message)) throw e;
      throw new Error("the sign-in did not succeed: check your user name and password, and use the security key you registered (or sign in with a code from your authenticator app)");
    }
    var next = document.querySelector("input[name=next]");
    var to = next && next.value;
    if (!to || to.charAt(0) !== "/" || to.charAt(1) === "/" || to.charAt(1) === "\\") to = "/elections";
    location.assign(to);
  }

  function wire(button, run) {
    var status = document.getElementById("webauthn-status");
    if (!window.PublicKeyCredential) {
      button.disabled = true;
      say(status, "This browser does not support security keys (WebAuthn).", true);
      return;
    }
    button.addEventListener("click", async function () {
      button.disabled = true;
      say(status, "Follow your browser's prompt…");
      try {
        await run(status);
      } catch (e) {
        say(status, "Refused: " + e.message, true);
      } finally {
        button.disabled = false;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var reg = document.getElementById("webauthn-register");
    if (reg) wire(reg, register);
    var app = document.getElementById("webauthn-approve");
    if (app) wire(app, function () { return approve(app.dataset.request); });
    var sin = document.getElementById("webauthn-signin");
    if (sin) wire(sin, signIn);
  });
})();
