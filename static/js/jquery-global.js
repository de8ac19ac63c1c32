// The Jalali date picker of the admin (django-jalali's jQuery UI 1.10) expects a global
// jQuery. It gets the admin's own (django.jQuery, loaded before it) instead of jQuery 1.10,
// whose feature tests write inline event handlers that the Content-Security-Policy refuses.
window.jQuery = window.$ = window.django.jQuery;
