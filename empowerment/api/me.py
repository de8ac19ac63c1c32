"""`me`: the signed-in person, their roles and the scope of each."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from centres.models import StaffRole
from centres.scope import scope_for
from empowerment.kernel.residents import user_is_resident

SCOPE_KINDS = ["centre", "headquarters", "partner", "city", "province"]


# Inline rather than a nullable reference (`allOf` beside `nullable`), which strict
# OpenAPI 3.0 readers and generated clients reject.
@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "properties": {
            "kind": {"type": "string", "enum": SCOPE_KINDS},
            "id": {"type": "integer"},
            "name": {"type": "string"},
        },
        "required": ["kind", "id", "name"],
        "description": "The scope of the role; null for an administrator.",
    }
)
class ScopeField(serializers.DictField):
    pass


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=StaffRole.Role.choices)
    role_display = serializers.CharField(help_text=_("The role's name in the request's language."))
    scope = ScopeField(allow_null=True)


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    is_resident = serializers.BooleanField(
        help_text=_("A resident signed in by SMS code; sees only their own records.")
    )
    is_global = serializers.BooleanField(help_text=_("Sees everything (administrator)."))
    roles = RoleSerializer(many=True)


class MeView(APIView):
    """Who is signed in, with which roles and in which scope."""

    @extend_schema(responses={200: MeSerializer}, tags=["me"], summary="The signed-in person")
    def get(self, request):
        user = request.user
        # One query for the roles and every kind of scope object they may point at.
        rows = (
            StaffRole.objects.filter(user=user, is_active=True)
            .select_related("centre", "headquarters", "partner", "city", "province")
            .order_by("role", "pk")
        )
        roles = []
        for row in rows:
            target = row.scope_object
            roles.append(
                {
                    "role": row.role,
                    "role_display": str(row.get_role_display()),
                    "scope": (
                        {"kind": row.scope_kind, "id": target.pk, "name": str(target)}
                        if target is not None
                        else None
                    ),
                }
            )
        if user.is_superuser and not any(r["role"] == "administrator" for r in roles):
            roles.insert(
                0,
                {
                    "role": StaffRole.Role.ADMINISTRATOR,
                    "role_display": str(StaffRole.Role.ADMINISTRATOR.label),
                    "scope": None,
                },
            )
        data = {
            "id": user.pk,
            "username": user.get_username(),
            "full_name": user.get_full_name(),
            "is_resident": user_is_resident(user),
            "is_global": scope_for(user).is_global,
            "roles": roles,
        }
        return Response(MeSerializer(data).data)
