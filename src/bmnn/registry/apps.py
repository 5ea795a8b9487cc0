from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "bmnn.registry"
    label = "registry"
    verbose_name = "Quản lý tài liệu, vật chứa bí mật nhà nước"
