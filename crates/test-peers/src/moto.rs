//! moto's server (PyPI's `moto[server]`), which speaks the AWS APIs (KMS, STS, S3) on a free
//! loopback port. Stopped when dropped. Its own client, boto3, makes keys and checks results
//! independently of our code.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Moto {
    pub endpoint: String,
    child: Child,
}

impl Moto {
    /// Starts a server, or says why not ([`crate::require`]) and returns None.
    #[track_caller]
    pub fn start() -> Option<Moto> {
        crate::require(
            crate::find("moto_server").map(drop),
            "moto's server",
            "pip install 'moto[server]'",
        )?;
        let port = crate::openbao::free_port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts");
        let moto = Moto {
            endpoint: format!("http://127.0.0.1:{port}"),
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto did not come up on {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(moto)
    }

    /// The environment a client needs to reach this server as AWS: its endpoint and
    /// credentials moto accepts.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_DEFAULT_REGION", "us-east-1".into()),
        ]
    }

    /// Runs `script` in Python with boto3, `kms` and `s3` clients of this server (`region`
    /// given);
    /// its standard output, trimmed.
    #[track_caller]
    pub fn boto3(&self, region: &str, script: &str) -> String {
        let program = format!(
            "import boto3, base64, json, sys\nargs = dict(region_name='{region}', endpoint_url='{}', aws_access_key_id='testing', aws_secret_access_key='testing')\nkms = boto3.client('kms', **args)\ns3 = boto3.client('s3', **args)\n{script}",
            self.endpoint
        );
        let out = Command::new("python3")
            .args(["-c", &program])
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "boto3: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// A new KMS key in `region`: its ARN.
    pub fn kms_key(&self, region: &str) -> String {
        self.boto3(region, "print(kms.create_key()['KeyMetadata']['Arn'])")
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}
