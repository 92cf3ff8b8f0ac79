from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from nanhai_portal.accounts.models import PrivacyConsent, User
from nanhai_portal.accounts.roles import DISTRICT_ROLES, Role
from nanhai_portal.accounts.services import user_set_mobile, user_set_role, user_unlock_sign_in
from nanhai_portal.audit.services import audit_record
from nanhai_portal.pii import validate_mobile
from nanhai_portal.tenancy import get_current_town, is_district_scope


class UserAdminForm(UserChangeForm):
    """The stored mobile number is never put in the page: only a new one can be typed."""

    new_mobile = forms.CharField(
        label=_("new mobile number"),
        required=False,
        validators=[validate_mobile],  # type: ignore[list-item]
        help_text=_("Leave empty to keep the current number."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )

    class Meta(UserChangeForm.Meta):
        model = User
        exclude = ["mobile", "mobile_index"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """A town admin manages the accounts of their town; a district admin manages all."""

    form = UserAdminForm
    list_display = ["username", "name", "role", "town", "mobile_masked", "is_active", "last_login"]
    list_filter = ["role", "town", "is_active"]
    search_fields = ["username", "name"]
    ordering = ["username"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("name", "email", "mobile_masked", "new_mobile")}),
        (_("Role"), {"fields": ("role", "town", "is_active", "is_staff", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2", "name", "role", "town")}),
    )
    readonly_fields = ["last_login", "date_joined", "mobile_masked"]
    actions = ["unlock_sign_in"]

    @admin.action(description=_("Unlock sign-in (clear failed attempts)"))
    def unlock_sign_in(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        # The queryset is get_queryset's: a town admin never reaches another town's account.
        for user in queryset:
            user_unlock_sign_in(user=user, by=request.user)  # type: ignore[arg-type]
        self.message_user(
            request,
            ngettext(
                "Sign-in unlocked for %(count)d account.", "Sign-in unlocked for %(count)d accounts.", len(queryset)
            )
            % {"count": len(queryset)},
            messages.SUCCESS,
        )

    @admin.display(description=_("mobile number"))
    def mobile_masked(self, obj: User) -> str:
        return obj.mobile_masked

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if is_district_scope():
            return queryset
        return queryset.filter(town_id=get_current_town()) if get_current_town() else queryset.none()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if is_district_scope():
            return self.readonly_fields
        # A town admin cannot move an account to another town or raise it to a district role.
        return [*self.readonly_fields, "town", "is_staff", "groups", "user_permissions"]

    def formfield_for_choice_field(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "role" and not is_district_scope():
            kwargs["choices"] = [(role.value, role.label) for role in Role if role not in DISTRICT_ROLES]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        town_code = obj.town_id if is_district_scope() else get_current_town()
        super().save_model(request, obj, form, change)
        # The role decides the group, the staff flag and the town: the service keeps them together.
        user_set_role(user=obj, role=Role(obj.role), town_code=town_code, by=request.user)  # type: ignore[arg-type]
        if form.cleaned_data.get("new_mobile"):
            user_set_mobile(user=obj, mobile=form.cleaned_data["new_mobile"], by=request.user)  # type: ignore[arg-type]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        user = form.instance
        before = _grants(user)
        super().save_related(request, form, formsets, change)
        after = _grants(user)
        if before != after:
            audit_record(
                action="accounts.permissions_changed",
                actor=request.user,
                target=user,
                changes={key: [sorted(before[key]), sorted(after[key])] for key in after if before[key] != after[key]},
            )


def _grants(user: User) -> dict[str, set[str]]:
    if not user.pk:
        return {"groups": set(), "permissions": set()}
    return {
        "groups": set(user.groups.values_list("name", flat=True)),
        "permissions": {f"{p.content_type.app_label}.{p.codename}" for p in user.user_permissions.all()},
    }


@admin.register(PrivacyConsent)
class PrivacyConsentAdmin(admin.ModelAdmin):
    """Read-only: a consent is evidence of what a person agreed to, never edited here."""

    list_display = ["accepted_at", "user", "notice_version", "ip_address"]
    list_filter = ["notice_version"]
    search_fields = ["user__username", "user__name"]
    date_hierarchy = "accepted_at"
    list_select_related = ["user"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if is_district_scope():
            return queryset
        return queryset.filter(user__town_id=get_current_town()) if get_current_town() else queryset.none()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
