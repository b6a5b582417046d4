// LTI Dynamic Registration 1.0, 3.6.3: tell the platform's page that registration is done.
(window.opener || window.parent).postMessage({ subject: "org.imsglobal.lti.close" }, "*");
