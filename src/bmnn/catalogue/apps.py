from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "bmnn.catalogue"
    label = "catalogue"
    verbose_name = "Danh mục bí mật nhà nước"
