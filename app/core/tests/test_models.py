"""The InferenceJob model, its migration, and that the tests really run on PostgreSQL."""

from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.test import TestCase

from core.models import InferenceJob


class InferenceJobTests(TestCase):
    """Behaviour of the model as stored in PostgreSQL."""

    def test_new_jobs_are_pending(self) -> None:
        job = InferenceJob.objects.create(name="resnet-batch-1")
        job.refresh_from_db()
        self.assertEqual(job.status, InferenceJob.Status.PENDING)
        self.assertEqual(str(job), "resnet-batch-1 (pending)")
        self.assertIsNotNone(job.created_at)

    def test_newest_first(self) -> None:
        first = InferenceJob.objects.create(name="first")
        second = InferenceJob.objects.create(name="second")
        self.assertEqual(list(InferenceJob.objects.all()), [second, first])

    def test_status_update_moves_updated_at(self) -> None:
        job = InferenceJob.objects.create(name="j")
        before = job.updated_at
        job.status = InferenceJob.Status.SUCCEEDED
        job.save()
        job.refresh_from_db()
        self.assertEqual(job.status, "succeeded")
        self.assertGreater(job.updated_at, before)

    def test_status_choices_are_enforced_by_validation(self) -> None:
        from django.core.exceptions import ValidationError

        job = InferenceJob(name="j", status="exploded")
        with self.assertRaises(ValidationError):
            job.full_clean()


class MigrationTests(TestCase):
    """0001_initial creates the table, and the test database was built from it."""

    def test_the_database_is_postgresql(self) -> None:
        self.assertEqual(connection.vendor, "postgresql")

    def test_0001_initial_is_the_only_migration_and_is_applied(self) -> None:
        loader = MigrationLoader(connection)
        self.assertEqual(loader.graph.leaf_nodes("core"), [("core", "0001_initial")])
        applied = MigrationRecorder(connection).applied_migrations()
        self.assertIn(("core", "0001_initial"), applied)

    def test_table_has_the_model_columns(self) -> None:
        with connection.cursor() as cursor:
            columns = {c.name for c in connection.introspection.get_table_description(cursor, "core_inferencejob")}
        self.assertEqual(columns, {"id", "name", "status", "workflow_name", "created_at", "updated_at"})
