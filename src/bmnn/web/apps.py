from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "bmnn.web"
    label = "web"
    verbose_name = "Hệ thống"

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from bmnn.web import services

        # Logins, logouts and lockouts go into the ledger for inspectors.
        user_logged_in.connect(services.on_login, dispatch_uid="bmnn.web.login")
        user_logged_out.connect(services.on_logout, dispatch_uid="bmnn.web.logout")
        user_locked_out.connect(services.on_locked_out, dispatch_uid="bmnn.web.locked_out")
