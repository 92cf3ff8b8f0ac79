"""Sign-in for API clients, and ``me/``."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from nanhai_portal.accounts import selectors, tokens
from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.serializers import MeSerializer, TokenRequestSerializer, TokenSerializer
from nanhai_portal.api.errors import ServiceError
from nanhai_portal.throttling import address_throttle


class TokenCreateApi(APIView):
    """Exchange a username and password for a bearer token (12 hours by default).

    Limited per client address (``THROTTLE_RATES["signin.address"]``: 429 with ``Retry-After``);
    five failures for one account from one address lock that pair (django-axes).
    """

    authentication_classes = [tokens.BearerTokenAuthentication]  # for DELETE; no session, so no CSRF
    permission_classes = [permissions.AllowAny]
    throttle_classes = [address_throttle("signin.address")]  # POST only

    @extend_schema(request=TokenRequestSerializer, responses={201: TokenSerializer}, auth=[])
    def post(self, request: Request) -> Response:
        credentials = TokenRequestSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        # django-axes counts the failure, and answers for a locked account (AxesMiddleware).
        user = authenticate(request._request, **credentials.validated_data)
        if user is None:
            raise ServiceError(
                "invalid_credentials", _("The username or password is not correct."), status.HTTP_401_UNAUTHORIZED
            )
        token, expires = tokens.token_sign_in(request=request._request, user=user)
        return Response(TokenSerializer({"token": token, "expires": expires}).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        """Revoke the bearer token this request carries."""
        token = request.auth
        if not isinstance(token, str):
            raise ServiceError(
                "not_authenticated", _("Send the token to revoke as 'Authorization: Bearer <token>'."), 401
            )
        tokens.token_revoke(token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    """The signed-in user: role, town and, for a grid worker, the grids they serve."""

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        assert isinstance(request.user, User)  # IsAuthenticated
        return Response(MeSerializer(selectors.user_profile(user=request.user)).data)
