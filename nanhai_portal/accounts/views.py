"""Pages: sign in, sign out, and a home page for each role."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from nanhai_portal.accounts.forms import SignInForm
from nanhai_portal.accounts.home import home_sections, sign_in_links
from nanhai_portal.accounts.models import PRIVACY_NOTICE_DATE, PRIVACY_NOTICE_VERSION, User
from nanhai_portal.throttling import client_key, hit, wait_message


class SignInView(auth_views.LoginView):
    """The sign-in page, limited per client address like the token API (same counter)."""

    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "links": sign_in_links()}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        wait = hit("signin.address", client_key(request))
        if not wait:
            return super().post(request, *args, **kwargs)
        # Unbound, with the message beside it: a bound AuthenticationForm tries the password.
        form = self.get_form_class()(request, initial={"username": request.POST.get("username", "")})
        context = self.get_context_data(form=form, refusal=wait_message(wait))
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = str(int(wait))
        return response


class SignOutView(auth_views.LogoutView):
    pass


@login_required
def home(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)  # login_required
    return render(request, "accounts/home.html", {"sections": home_sections(request.user)})


def privacy_notice(request: HttpRequest) -> HttpResponse:
    """Anyone: the rules for processing personal information (个人信息处理规则) of the portal."""
    context = {"version": PRIVACY_NOTICE_VERSION, "notice_date": PRIVACY_NOTICE_DATE}
    return render(request, "accounts/privacy_notice.html", context)
