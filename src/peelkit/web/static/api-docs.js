// Starts Swagger UI on the API documentation page (a file of its own: the Content-Security-Policy allows no
// inline script). The description comes from this server; the validator badge, which would call a web
// service elsewhere, is off.
"use strict";
(function () {
  var element = document.getElementById("swagger-ui");
  if (!element || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: element.getAttribute("data-url"),
    domNode: element,
    validatorUrl: null,
    deepLinking: false,
    tryItOutEnabled: false,
  });
})();
