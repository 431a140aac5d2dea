from django.contrib import admin

from torget.reports.models import Category, Question, Report, Update


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ["name_nb", "name_nn", "name_en", "body", "group_nb", "active"]
    list_filter = ["active", "body"]
    search_fields = ["name_nb", "name_nn", "name_en", "body__name"]
    list_select_related = ["body"]
    autocomplete_fields = ["body"]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin[Question]):
    list_display = ["code", "label", "category", "datatype", "required", "order"]
    list_filter = ["datatype", "required"]
    search_fields = ["code", "label", "category__name_nb"]
    list_select_related = ["category", "category__body"]
    raw_id_fields = ["category"]


class UpdateInline(admin.TabularInline[Update, Report]):
    model = Update
    fk_name = "report"
    extra = 0
    fields = ["created", "author", "body", "new_state", "text", "hidden"]
    raw_id_fields = ["author"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin[Report]):
    list_display = ["id", "title", "category", "state", "hidden", "created"]
    list_filter = ["state", "hidden"]
    search_fields = ["title", "id"]
    list_select_related = ["category", "category__body"]
    raw_id_fields = ["reporter", "duplicate_of", "category"]
    filter_horizontal = []
    readonly_fields = ["areas", "bodies"]
    inlines = [UpdateInline]
    date_hierarchy = "created"
