# Week 6 lab, step 3: upload the raw CSV to MinIO (S3-compatible storage), as in the course.
# The course never creates transactions.csv; the lab's step "sample-data" writes it first.
from minio import Minio
import os

client = Minio(
    "localhost:9000",
    access_key="admin",
    secret_key="password",
    secure=False
)

# Ensure bucket exists
bucket = "rawdata"
if not client.bucket_exists(bucket):
    client.make_bucket(bucket)

# Upload file
client.fput_object(bucket, "transactions.csv", "transactions.csv")
print("✅ Uploaded transactions.csv to MinIO")
