from tocsin.web import policy


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"my_roles": [], "is_admin": False, "may_invite": False}
    r = policy.roles_of(user)
    return {"my_roles": r, "is_admin": "administrator" in r,
            "may_invite": "administrator" in r or "focal_point" in r}
