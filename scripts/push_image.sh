#!/usr/bin/env bash
# `make image STACK=dev`: build app/ and push it to the stack's ECR repository, tagged with the SHA
# of the last commit that changed app/ (what image.yml does in CI), then set that tag as the
# stack's django.imageTag. The repository's tags are IMMUTABLE: a tag already there is not rebuilt.
# Needs docker, the AWS CLI and the Pulumi CLI, with AWS credentials for the stack's account.
set -euo pipefail
stack="${1:?usage: scripts/push_image.sh STACK}"
for tool in docker aws pulumi git; do
  command -v "$tool" >/dev/null || {
    echo "make image: $tool not found on PATH (needs docker, the AWS CLI v2, the Pulumi CLI and git)" >&2
    exit 1
  }
done
repository="$(pulumi stack output djangoImageRepository --stack "$stack" 2>/dev/null)" || {
  echo "make image: stack $stack has no djangoImageRepository output yet: run make up STACK=$stack first" >&2
  exit 1
}
region="$(pulumi stack output region --stack "$stack")"
tag="$(git log -1 --format=%H -- app/)"
[ -n "$tag" ] || { echo "make image: git log finds no commit of app/ (run it in a clone with history)" >&2; exit 1; }
name="${repository#*/}"
if aws ecr describe-images --region "$region" --repository-name "$name" --image-ids "imageTag=$tag" >/dev/null 2>&1; then
  echo "make image: $repository:$tag is already there (tags are immutable): not rebuilt"
else
  aws ecr get-login-password --region "$region" | docker login --username AWS --password-stdin "${repository%%/*}"
  docker build -t "$repository:$tag" app
  docker push "$repository:$tag"
fi
pulumi config set --path django.imageTag "$tag" --stack "$stack"
echo "make image: django.imageTag = $tag in Pulumi.$stack.yaml; next: make up STACK=$stack"
