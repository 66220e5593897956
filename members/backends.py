from members import access


class AudienceBackend:
    """
    Answers `user.has_perm("members.<reading permission>")` (one per tier, named by
    `access.permission_codename`) from the account's memberships, so admin, templates and
    code that speak Django permissions agree with the pages. It authenticates nobody.
    """

    def authenticate(self, request, **credentials):
        return None

    def get_user(self, user_id):
        return None

    def has_perm(self, user_obj, perm, obj=None):
        if not user_obj.is_active or not perm.startswith("members."):
            return False
        tier = access.permission_audience(perm.removeprefix("members."))
        if tier is None:
            return False
        return user_obj.reads_tier(tier)

    def has_module_perms(self, user_obj, app_label):
        return False
