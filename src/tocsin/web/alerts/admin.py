from django.contrib import admin

from tocsin.web.alerts.models import Alert, AlertChange, Delivery


class ChangeInline(admin.TabularInline):
    model = AlertChange
    extra = 0
    readonly_fields = ("at", "actor_name", "from_status", "to_status", "reason")


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("id", "week", "country", "unit", "rule", "severity", "status")
    list_filter = ("status", "severity", "country", "rule")
    search_fields = ("key", "rule", "country", "unit")
    readonly_fields = ("key", "figures", "event_ids", "indicators", "triggers", "options")
    inlines = [ChangeInline]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("alert", "subscriber", "channel", "at", "ok")
