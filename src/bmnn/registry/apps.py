from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _repair_search_index(sender, using="default", **kwargs) -> None:
    # On SQLite a later migration that rebuilds registry_secretitem drops the FTS triggers;
    # re-create them (and re-index) after every migrate.
    from django.db import connections

    from bmnn.registry.search import ensure_index

    if connections[using].vendor in ("sqlite", "postgresql"):
        ensure_index()


class RegistryConfig(AppConfig):
    name = "bmnn.registry"
    label = "registry"
    verbose_name = "Quản lý tài liệu, vật chứa bí mật nhà nước"

    def ready(self) -> None:
        post_migrate.connect(_repair_search_index, sender=self)
