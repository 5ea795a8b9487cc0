from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "bmnn.oversight"
    label = "oversight"
    verbose_name = "Kiểm tra, sự cố, báo cáo"
