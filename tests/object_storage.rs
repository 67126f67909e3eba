//! Attachments in a real S3-compatible server (SeaweedFS on loopback), shared by two instances
//! on one PostgreSQL database behind HAProxy: an upload whose chunks reach alternate instances
//! completes, another laptop fetches it through the other instance, and no instance keeps the
//! file on its own disk.

use citizens_test_support::device::Device;
use citizens_test_support::haproxy::Haproxy;
use citizens_test_support::s3::S3;
use citizens_test_support::server::Backend;
use citizens_test_support::server::Server;
use rand::{Rng, SeedableRng};

#[test]
fn an_upload_split_across_instances_lands_in_the_bucket_and_any_instance_serves_it() {
    let s3 = S3::start();
    // The instances read the bucket's address and keys the standard way (inherited).
    for (key, value) in [
        ("AWS_ENDPOINT", s3.endpoint.as_str()),
        ("AWS_ALLOW_HTTP", "true"),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_REGION", "us-east-1"),
    ] {
        std::env::set_var(key, value);
    }
    let config = format!("attachments = \"s3://{}\"\n", s3.bucket);
    let first = Server::start_configured(
        citizens_e2e::binary("citizens-server"),
        Backend::Postgres,
        &config,
    );
    let second = Server::instance_of(&first, "127.0.0.1:0");
    let balancer = Haproxy::start(&[&first.url, &second.url]);

    let mut coordinator = Device::coordinator(&second, "Ngozi Eze");
    let key = coordinator.client.profile().org_public_key.clone();
    let mut musa = Device::volunteer(&first, "Musa Garba", &key);
    musa.client
        .store()
        .set_meta("sync.server", &balancer.url)
        .expect("through the balancer");

    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let case = musa
        .client
        .capture(&citizens_client::sample::grievance(&mut rng))
        .expect("capture")
        .reference;
    let mut photo = vec![0u8; 600 * 1024]; // five 128 KB chunks, alternating instances
    rng.fill(&mut photo[..]);
    let file = musa.path().join("form-17.jpg");
    std::fs::write(&file, &photo).expect("photo");
    let sha = musa
        .client
        .attach(&case, &file)
        .expect("attach")
        .grievance
        .attachments[0]
        .sha256
        .clone();
    let report = musa.sync();
    assert_eq!(
        (report.attachments_uploaded, report.attachments_waiting),
        (1, 0)
    );

    assert_eq!(
        // The organisation's own folder: the first organisation on a fresh database.
        s3.object(&format!("orgs/1/{sha}")).as_deref(),
        Some(&photo[..]),
        "the file is in the bucket"
    );
    for instance in [&first, &second] {
        let local = instance.dir.path().join("blobs");
        assert!(
            !local.exists() || std::fs::read_dir(&local).expect("dir").next().is_none(),
            "no instance keeps attachments on its own disk"
        );
    }

    let report = coordinator.sync();
    assert_eq!(report.attachments_downloaded, 1, "{report:?}");
    let view = coordinator.client.open_case(&case).expect("case");
    assert_eq!(view.grievance.attachments[0].sha256, sha);
    assert_eq!(
        coordinator
            .client
            .attachment(&sha)
            .expect("the coordinator opens the photo"),
        photo
    );
}
