// LTI Deep Linking 2.0, 4.2: hand the signed response to the platform without a click.
document.getElementById("lti-deep-link-return").submit();
