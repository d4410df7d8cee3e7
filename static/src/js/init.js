// Loaded at the start of <body> (no inline script, so no CSP exception is needed).
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
