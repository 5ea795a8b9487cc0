"""URLs of the registry pages (Vietnamese paths without diacritics)."""

from __future__ import annotations

from django.urls import path

from bmnn.web import registry_views as views

app_name = "registry"

urlpatterns = [
    path("de-xuat/", views.proposals, name="proposals"),
    path("de-xuat/danh-muc/", views.catalogue_options, name="catalogue_options"),
    path("de-xuat/<int:pk>/quyet-dinh/", views.decide, name="decide"),
    path("vao-so-di/", views.outgoing_list, name="outgoing_list"),
    path("vao-so-di/<int:pk>/", views.outgoing_register, name="outgoing_register"),
    path("vao-so-den/", views.incoming, name="incoming"),
    path("vao-so-den/boc-bi/<int:pk>/", views.open_envelope, name="open_envelope"),
    path("tai-lieu/", views.items, name="items"),
    path("tai-lieu/<int:pk>/", views.item_detail, name="item"),
    path("tai-lieu/<int:pk>/sao-chup/", views.copy_order, name="copy"),
    path("tai-lieu/<int:pk>/giao/", views.deliver, name="deliver"),
    path("tai-lieu/<int:pk>/ban-giao/", views.hand_over, name="hand_over"),
    path("tai-lieu/<int:pk>/thu-hoi/", views.issue_recall, name="issue_recall"),
    path("tai-lieu/<int:pk>/quyen-tiep-can/", views.access_grant, name="access"),
    path(
        "tai-lieu/<int:pk>/quyen-tiep-can/<int:grant>/thu-hoi/",
        views.access_revoke,
        name="access_revoke",
    ),
    path("tai-lieu/<int:pk>/mang-ra/", views.take_out, name="take_out"),
    path(
        "tai-lieu/<int:pk>/mang-ra/<int:take_out>/nop-lai/",
        views.take_out_return,
        name="take_out_return",
    ),
    path("tai-lieu/<int:pk>/cung-cap/", views.provide, name="provide"),
    path("tai-lieu/<int:pk>/gia-han/", views.extend, name="extend"),
    path("tai-lieu/<int:pk>/dieu-chinh/", views.adjust, name="adjust"),
    path("tai-lieu/<int:pk>/hoi-dong/", views.create_council, name="council"),
    path("tai-lieu/<int:pk>/giai-mat/", views.declassify, name="declassify"),
    path("tai-lieu/<int:pk>/tieu-huy/", views.destroy, name="destroy"),
    path("tai-lieu/<int:pk>/tieu-huy-ngay/", views.destroy_now, name="destroy_now"),
    path("tai-lieu/<int:pk>/dong-dau-giai-mat/", views.mark_lapsed, name="mark_lapsed"),
    path(
        "tai-lieu/<int:pk>/thong-bao/<int:decision>/",
        views.record_notice,
        name="record_notice",
    ),
    path("thoi-cong-tac/", views.departures, name="departures"),
    path("thoi-cong-tac/<int:pk>/", views.departure_detail, name="departure"),
    path(
        "thoi-cong-tac/<int:pk>/cam-ket/", views.departure_commitment, name="departure_commitment"
    ),
    path("thoi-cong-tac/<int:pk>/ket-thuc/", views.departure_close, name="departure_close"),
    path("chuyen-giao/<int:pk>/ky-nhan/", views.confirm_receipt, name="confirm_receipt"),
    path("thu-hoi/<int:pk>/", views.recall_detail, name="recall"),
    path("thu-hoi/<int:pk>/nhan-lai/<int:task>/", views.confirm_return, name="confirm_return"),
    path("kiem-ke/", views.stocktakes, name="stocktakes"),
    path("kiem-ke/<int:pk>/", views.stocktake_detail, name="stocktake"),
    path("kiem-ke/<int:pk>/dong/<int:line>/", views.stocktake_mark, name="stocktake_mark"),
    path("kiem-ke/<int:pk>/khoa/", views.stocktake_close, name="stocktake_close"),
    path("tim-kiem/", views.search, name="search"),
    path("so/", views.registers, name="registers"),
    path("so/<slug:kind>/<int:year>/", views.register_book, name="register"),
    path("so/<slug:kind>/<int:year>/quyen-<int:book>/", views.register_book, name="register_book"),
]
