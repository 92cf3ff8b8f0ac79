from rest_framework import serializers

from nanhai_portal.areas.models import Community, Grid, Town


class TownSerializer(serializers.ModelSerializer[Town]):
    class Meta:
        model = Town
        fields = ["code", "name", "name_en", "kind", "division_code"]


class CommunitySerializer(serializers.ModelSerializer[Community]):
    town = serializers.CharField(source="town_id", read_only=True)

    class Meta:
        model = Community
        fields = ["id", "town", "code", "name", "kind"]


class GridSerializer(serializers.ModelSerializer[Grid]):
    town = serializers.CharField(source="town_id", read_only=True)
    community = serializers.UUIDField(source="community_id", read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True)

    class Meta:
        model = Grid
        fields = ["id", "town", "community", "community_name", "code", "name"]
