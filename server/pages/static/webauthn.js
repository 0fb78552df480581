// canvass: a WebAuthn credential (security key, passkey) as the personal
// signing key. The enrollment page registers one
// (navigator.credentials.create); the request page approves with it
// (navigator.credentials.get), the challenge being SHA-256 of the
// request's sign text. Both talk to the JSON API (docs/api.yaml); the
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

  async function approve(id) {
    var opts = await post("/api/v1/requests/" + encodeURIComponent(id) + "/webauthn/begin");
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
    await post("/api/v1/requests/" + encodeURIComponent(id) + "/webauthn/finish", { response: resp });
    location.assign("/requests/" + encodeURIComponent(id) + "?signed=1");
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
  });
})();
