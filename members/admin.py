"""
Members in admin: users with their memberships inline, memberships, applications and
invitations. Every change that spans models (approving, extending, ending, inviting)
goes through members.services, exactly as the site and the management command do.
"""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from members import access, services
from members.models import Application, Invitation, Membership, Tier, User


def reading_permission_filter(queryset):
    """Hide the read_<tier> permissions: memberships decide reading, not permission lists."""
    codenames = [codename for codename, _ in access.reading_permissions()]
    return queryset.exclude(content_type__app_label="members", codename__in=codenames)


class MembershipStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            ("active", "Active"),
            ("upcoming", "Not started yet"),
            ("ended", "Ended"),
            ("ending-soon", f"Ends within {access.RENEWAL_WINDOW.days} days"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        match self.value():
            case "active":
                return queryset.active_at(now)
            case "upcoming":
                return queryset.filter(starts_at__gt=now)
            case "ended":
                return queryset.filter(ends_at__lte=now)
            case "ending-soon":
                return queryset.active_at(now).filter(ends_at__lte=now + access.RENEWAL_WINDOW)
        return queryset


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "tier", "source", "starts_at", "ends_at", "note"]

    def clean(self):
        cleaned = super().clean()
        starts_at = cleaned.get("starts_at") or getattr(self.instance, "starts_at", None)
        ends_at = cleaned.get("ends_at")
        if starts_at and ends_at and ends_at < starts_at:
            self.add_error("ends_at", "A membership cannot end before it starts.")
        return cleaned


class MembershipInline(admin.TabularInline):
    model = Membership
    form = MembershipForm
    fk_name = "user"
    extra = 0
    can_delete = False
    fields = ["tier", "source", "starts_at", "ends_at", "granted_by", "note"]
    readonly_fields = ["granted_by"]
    show_change_link = True


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups", "memberships__tier"]
    search_fields = ["email", "first_name", "last_name", "applications__organisation"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Personal details", {"fields": ["first_name", "last_name"]}),
        (
            "Staff",
            {
                "fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"],
                "description": "What a member may read comes from their memberships below, "
                "never from these permissions.",
            },
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    inlines = [MembershipInline]
    actions = ["delete_accounts"]

    def has_delete_permission(self, request, obj=None):
        # Removing the row would take the membership history with it; accounts are deleted
        # the way a reader deletes their own: anonymised, memberships ended and kept.
        return False

    @admin.action(
        description="Delete selected accounts (anonymise; membership history kept)",
        permissions=["change"],
    )
    def delete_accounts(self, request, queryset):
        count = 0
        for user in queryset.exclude(pk=request.user.pk):
            services.account_delete(user=user)
            count += 1
        self.message_user(request, f"Deleted {count} account(s); their memberships are ended.")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "user_permissions":
            kwargs["queryset"] = reading_permission_filter(db_field.remote_field.model.objects)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_formset(self, request, form, formset, change):
        for instance in formset.save(commit=False):
            if instance.pk is None and instance.granted_by_id is None:
                instance.granted_by = request.user
            instance.save()
        formset.save_m2m()


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = ["name", "audience", "join_label"]
    fields = ["audience", "name", "pitch", "description", "join_label", "section_label"]
    readonly_fields = ["audience"]

    def has_add_permission(self, request):
        return False  # the tiers are fixed by the access rule; only their wording changes

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    form = MembershipForm
    list_display = ["user", "tier", "source", "state", "starts_at", "ends_at", "granted_by"]
    list_filter = [MembershipStatusFilter, "tier", "source"]
    list_select_related = ["user", "granted_by"]
    search_fields = ["user__email", "user__applications__organisation", "note"]
    autocomplete_fields = ["user"]
    date_hierarchy = "starts_at"
    fields = ["user", "tier", "source", "starts_at", "ends_at", "note", "granted_by"]
    readonly_fields = ["granted_by"]
    actions = ["extend_twelve_months", "end_now"]

    def get_changeform_initial_data(self, request):
        # A membership added by hand is a complimentary grant unless the manager says so.
        return {
            "source": Membership.Source.COMPLIMENTARY,
            **super().get_changeform_initial_data(request),
        }

    def get_readonly_fields(self, request, obj=None):
        # Who and how are facts of the grant; later changes are to its dates and note.
        if obj is not None:
            return ["user", "tier", "source", "granted_by"]
        return self.readonly_fields

    @admin.display(description="state")
    def state(self, obj):
        now = timezone.now()
        if obj.is_active_at(now):
            return "Active"
        return "Not started" if obj.starts_at > now else "Ended"

    def has_delete_permission(self, request, obj=None):
        return False  # ending keeps history; use "End now"

    def has_change_permission(self, request, obj=None):
        # A seat's dates follow its organisation's licence: they change there (or by
        # removing the person from the team), never here, so the two cannot disagree.
        if obj is not None and obj.source == Membership.Source.SEAT:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Extend selected memberships by 12 months", permissions=["change"])
    def extend_twelve_months(self, request, queryset):
        # Seats end with their licence: renew the licence instead.
        queryset = queryset.exclude(source=Membership.Source.SEAT)
        for membership in queryset:
            services.membership_extend(membership=membership, months=12, extended_by=request.user)
        self.message_user(request, f"Extended {queryset.count()} membership(s) by 12 months.")

    @admin.action(description="End selected memberships now", permissions=["change"])
    def end_now(self, request, queryset):
        ended = 0
        for membership in queryset:
            before = membership.ends_at
            services.membership_end(membership=membership, ended_by=request.user)
            ended += membership.ends_at != before
        self.message_user(request, f"Ended {ended} membership(s). Their records are kept.")


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "email", "tier", "status", "created_at", "reviewed_by"]
    list_filter = ["status", "tier"]
    list_select_related = ["user", "reviewed_by"]
    search_fields = ["name", "organisation", "user__email", "role"]
    date_hierarchy = "created_at"
    fields = [
        "user",
        "tier",
        "name",
        "organisation",
        "role",
        "reason",
        "status",
        "membership_ends_on",
        "reviewed_by",
        "reviewed_at",
        "membership",
        "created_at",
    ]
    actions = ["approve", "decline"]

    @admin.display(description="e-mail", ordering="user__email")
    def email(self, obj):
        return obj.user.email

    def get_readonly_fields(self, request, obj=None):
        # What the applicant wrote is theirs; a manager only sets the membership's end.
        editable = {"membership_ends_on"} if obj is not None and obj.is_pending else set()
        return [name for name in self.fields if name not in editable]

    def has_add_permission(self, request):
        return False  # applications come from readers

    def has_delete_permission(self, request, obj=None):
        return False

    def _review(self, request, queryset, decide, verb):
        done, unsent = 0, []
        for application in queryset.select_related("user"):
            try:
                result = decide(application=application, reviewer=request.user)
            except services.MembershipError as error:
                self.message_user(request, str(error), messages.WARNING)
                continue
            done += 1
            sent = result[1] if isinstance(result, tuple) else result
            if not sent:
                unsent.append(application.user.email)
        if done:
            emailed = " and e-mailed the applicants" if not unsent else ""
            self.message_user(request, f"{verb} {done} application(s){emailed}.")
        if unsent:
            self.message_user(
                request,
                "The e-mail could not be sent to: " + ", ".join(unsent) + ". Please tell them.",
                messages.ERROR,
            )

    def response_change(self, request, obj):
        # The buttons on the change form: the form (and its end date) is saved first.
        for key, decide, verb in (
            ("_approve", services.application_approve, "Approved"),
            ("_decline", services.application_decline, "Declined"),
        ):
            if key in request.POST and self.has_change_permission(request, obj):
                self._review(request, Application.objects.filter(pk=obj.pk), decide, verb)
                return HttpResponseRedirect(reverse("admin:members_application_changelist"))
        return super().response_change(request, obj)

    @admin.action(
        description="Approve selected applications (and e-mail them)", permissions=["change"]
    )
    def approve(self, request, queryset):
        self._review(request, queryset, services.application_approve, "Approved")

    @admin.action(
        description="Decline selected applications (and e-mail them)", permissions=["change"]
    )
    def decline(self, request, queryset):
        self._review(request, queryset, services.application_decline, "Declined")


class InvitationStateFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return Invitation.State.choices

    def queryset(self, request, queryset):
        now = timezone.now()
        match self.value():
            case Invitation.State.OPEN:
                return queryset.usable(now)
            case Invitation.State.ACCEPTED:
                return queryset.filter(accepted_at__isnull=False)
            case Invitation.State.REVOKED:
                return queryset.filter(revoked_at__isnull=False, accepted_at__isnull=True)
            case Invitation.State.EXPIRED:
                return queryset.filter(
                    Q(expires_at__lte=now), accepted_at__isnull=True, revoked_at__isnull=True
                )
        return queryset


class InvitationForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ["email", "tier", "expires_at", "membership_ends_at", "note"]

    def clean(self):
        cleaned = super().clean()
        now = timezone.now()
        expires_at = cleaned.get("expires_at")
        if expires_at and expires_at <= now:
            self.add_error("expires_at", "The link must expire in the future.")
        ends_at = cleaned.get("membership_ends_at")
        if ends_at and ends_at <= now:
            self.add_error("membership_ends_at", "The membership must end in the future.")
        return cleaned


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    form = InvitationForm
    list_display = ["email", "tier", "state", "expires_at", "created_by", "accepted_by"]
    list_filter = [InvitationStateFilter, "tier"]
    list_select_related = ["created_by", "accepted_by"]
    search_fields = ["email", "accepted_by__email", "note"]
    date_hierarchy = "created_at"
    fields = ["email", "tier", "expires_at", "membership_ends_at", "note"]
    actions = ["send_again", "revoke"]

    @admin.display(description="status")
    def state(self, obj):
        return obj.state.label

    def get_changeform_initial_data(self, request):
        return {
            "expires_at": timezone.now() + timedelta(days=services.INVITATION_VALID_DAYS),
            **super().get_changeform_initial_data(request),
        }

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.fields
        return [*self.fields, "state", "created_by", "created_at", "accepted_by", "accepted_at"]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj) if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return
        # InvitationForm has checked everything the service would refuse.
        created, url, sent = services.invitation_create(
            email=obj.email,
            tier=obj.tier,
            created_by=request.user,
            expires_at=obj.expires_at,
            membership_ends_at=obj.membership_ends_at,
            note=obj.note,
        )
        # The admin goes on with `obj`: make it the saved invitation.
        for field in Invitation._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        obj._state.adding = False
        self._report_link(request, obj, url, sent)

    def _report_link(self, request, invitation, url, sent):
        if sent:
            self.message_user(
                request,
                format_html(
                    "Invitation e-mailed to {}. The link, shown only now: <code>{}</code>",
                    invitation.email,
                    url,
                ),
            )
        else:
            self.message_user(
                request,
                format_html(
                    "The e-mail to {} could not be sent. Send them this link yourself "
                    "(shown only now): <code>{}</code>",
                    invitation.email,
                    url,
                ),
                messages.WARNING,
            )

    def save_related(self, request, form, formsets, change):
        if change:
            return
        super().save_related(request, form, formsets, change)

    @admin.action(description="Send a new link (the old one stops working)", permissions=["add"])
    def send_again(self, request, queryset):
        for invitation in queryset:
            if invitation.accepted_at:
                self.message_user(
                    request, f"{invitation.email} has already accepted.", messages.WARNING
                )
                continue
            services.invitation_revoke(invitation=invitation)
            _, url, sent = services.invitation_create(
                email=invitation.email,
                tier=invitation.tier,
                created_by=request.user,
                membership_ends_at=invitation.membership_ends_at
                if invitation.membership_ends_at and invitation.membership_ends_at > timezone.now()
                else None,
                note=invitation.note,
            )
            self._report_link(request, invitation, url, sent)

    @admin.action(description="Withdraw selected invitations", permissions=["change"])
    def revoke(self, request, queryset):
        for invitation in queryset:
            services.invitation_revoke(invitation=invitation)
        self.message_user(request, "Unused invitations among those selected no longer work.")
