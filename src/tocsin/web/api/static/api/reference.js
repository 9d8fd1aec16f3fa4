/* Starts Swagger UI on the API reference page (no inline script: the CSP forbids it).
   Its settings are in the page's JSON block; writes tried from the page carry the
   session's CSRF token, as the site's own forms do. */
(function () {
  "use strict";
  var holder = document.getElementById("swagger-ui");
  var config = JSON.parse(document.getElementById("swagger-settings").textContent);
  var token = holder.dataset.csrfToken;
  config.presets = [SwaggerUIBundle.presets.apis];
  config.requestInterceptor = function (req) {
    if (token) { req.headers["X-CSRFToken"] = token; }
    return req;
  };
  window.tocsinApiReference = SwaggerUIBundle(config);
})();
