"""
The newsroom: what Django admin needs for briefings beyond its configuration.

briefings/admin.py registers the models and holds their ModelAdmin configuration and
hooks; each hook that does more than configure calls a module here, named for its concern:

- publishing: the workflow buttons and list actions, and how publishing state reads;
- forms: the change forms for briefings, sections, citations and sources;
- inlines: the section and citation inlines and their formsets;
- conflict: refusing a save based on a version a colleague has since replaced;
- history: the revision history, compare and restore pages;
- preview: the briefing as a reader in a chosen audience would see it;
- importing: the Import briefings page (uploads of briefing files) and its report;
- filters: the change list's filters.
"""
